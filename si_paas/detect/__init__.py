"""Detectors: secrets in file contents and private `si paas` state in repository paths.

- rulepack: load and compile rules/secrets.yaml
- scanner: SecretScanner (keyword prefilter, then regexes near each hit)
- redact: redaction and fingerprints, the only forms a found secret leaves in
- baseline: accepted fingerprints
- private_state: rules/private-state.yaml path patterns
- examples: run every rule's own examples
"""
