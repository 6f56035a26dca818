export const config = {
  stripeKey: "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",
  stripePublishableKey: "pk_live_Q4S0Rf94etnNfjpCwmuoUSGZ",
  sentryDsn: "https://12d4f495641d3d061e2faa0dbb68b113@o319196.ingest.sentry.io/9341041",
  apiBaseUrl: "https://api.shop.internal",
  authTokenStorageKey: "shop.auth.token",
  mapboxToken: process.env.MAPBOX_TOKEN,
  buildHash: "a45ecd38ba030af2ec3a7a53e1ee290151639db0",
  serviceToken: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxNjcwOTM5Iiwicm9sZSI6InNlcnZpY2UiLCJpYXQiOjE3MTQ0NDg5MjMsImV4cCI6MTg5MzQ1NjAwMH0.JAc2u6RJflm6suNiTyDURH-Z22GREpXGhBcikLofV1g",
  csrfTokenHeader: "X-CSRF-Token",
};
