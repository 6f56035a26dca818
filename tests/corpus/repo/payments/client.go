package payments

const (
	stripeTestKey    = "sk_test_d8UondjYRIWkLtmhFgqMN6Z8" // test mode
	webhookTolerance = 300
	sentryAuthHeader = "X-Sentry-Auth"
	databricksToken  = "dapi07435055f57a730b5c3024c675850f25"
	shopifyToken     = "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"
	// Signing key id, not the key: e2b30d06-7005-4500-88d1-e8c286671a96
	passwordResetPath = "/v1/password/reset"
)
