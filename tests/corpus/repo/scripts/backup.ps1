$ErrorActionPreference = "Stop"
$password = ConvertTo-SecureString "e575fN+zQP16=%F0" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ("backup", $password)
$apiKey = $env:BACKUP_API_KEY
$token = "FDxba3s3MWPDWTqbvOzYGeHPl4gaWnQUx1WtQ4qj"
Invoke-RestMethod -Uri "https://backup.internal/run" -Headers @{ "X-Token" = $token }
