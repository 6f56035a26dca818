provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAX3J3NBKHPAE7CNGL"
  secret_key = "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"
}

provider "aws" {
  alias      = "ci"
  region     = "eu-west-1"
  access_key = var.aws_access_key
  secret_key = var.aws_secret_key
}

resource "aws_db_instance" "main" {
  identifier = "orders"
  username   = "orders"
  password   = random_password.db.result
}

resource "github_actions_secret" "deploy" {
  repository      = "orders"
  secret_name     = "DEPLOY_TOKEN"
  plaintext_value = data.aws_secretsmanager_secret_version.deploy.secret_string
}

resource "aws_secretsmanager_secret" "api" {
  name = "orders/api-token"
  kms_key_id = "arn:aws:kms:eu-west-1:337625645545:key/2844407f-cc2b-4c8e-9488-8870dcb7f9f6"
}
