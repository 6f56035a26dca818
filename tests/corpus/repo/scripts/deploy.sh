#!/usr/bin/env bash
set -euo pipefail

export GITLAB_TOKEN="glpat-SAhfxSVK0aonotzVlaYC"
export VAULT_ADDR=https://vault.internal:8200
git clone "https://oauth2:${GITLAB_TOKEN}@gitlab.com/shop/infra.git"
git clone "https://x-access-token:ghs_OZboJ4MoBquUs7Z31HDDCAUabFH0JeT0PZwi@github.com/shop/charts.git"
docker login -u shopbot -p "$DOCKER_PASSWORD" registry.internal
curl -fsS -u "api:key-4765bcf610ae84a75cd2a21000775384" https://api.mailgun.net/v3/mg.shop.internal/messages
PULUMI_ACCESS_TOKEN=pul-2c9577122148a3d7636cc7267daa857c66a8aeb1 pulumi up --yes --stack prod
curl -H "Authorization: Bearer ${DO_TOKEN}" https://api.digitalocean.com/v2/droplets
curl --header "PRIVATE-TOKEN: $GITLAB_TOKEN" https://gitlab.com/api/v4/projects
echo "de3116bd22df05e2f5069972a55c747c1d54dad79e622e54c079b3f261717f2b  release.tar.gz" | sha256sum -c -
gitlab-runner register --non-interactive --url https://gitlab.com --token glrt-03gY6r8xSNw82iq2IolN
curl -X POST -F token=glptt-2101f80aebc54532e78b868d876cb69d8a6acd4d -F ref=main https://gitlab.com/api/v4/projects/42/trigger/pipeline
mysql -h db.internal -u report --password=rri!+eDnUbw7Zc reporting < report.sql
export DOPPLER_TOKEN=dp.st.prd.JWYPVWkQGbjuLzw9H3xQe0Or894xRyskTgfsnyv7bI3
vault login -method=token "$VAULT_TOKEN"
TOKEN=$(curl -s https://auth.internal/token | jq -r .access_token)
git checkout 6e4b38a18c45912ce044aa92db13dbe10328b3ac
