const TOKEN_STORAGE_KEY = "auth.token";
const refreshToken = localStorage.getItem(TOKEN_STORAGE_KEY);
export const PASSWORD_PATTERN = /^(?=.*[A-Z])(?=.*\d).{12,}$/;
const githubRefresh = "ghr_cV3HuCOkM50NwUcn4cj2rnqEKjrkGu6x2pXvPbQaRwbpgEwLBdAD5cT7ldaE2keBn18nYTlyK56A";
const oauthToken = "gho_1Vwl3zdlffmUABlwivStX5EJdqLmnYfaRVUo";
const userToServerToken = "ghu_VwIUnLVWJUOLXYmOH1rG7CQAxJohcCftFl97";
const accessToken = await getAccessToken(refreshToken);
const tokenType = "Bearer";
export { githubRefresh, oauthToken, userToServerToken, accessToken, tokenType };
