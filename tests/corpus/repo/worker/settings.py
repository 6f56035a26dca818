# ruff: noqa: E501
"""Django settings for the worker."""

import os

SECRET_KEY = "django-insecure-(7o5p#qv3vg#o8j&-gh79n^@srza_)f-kcw)z@a(!%c#hsh_gn"
DEBUG = False
ALLOWED_HOSTS = ["orders.shop.internal"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": os.environ["DB_PASSWORD"]}}
EMAIL_HOST_PASSWORD = "Sg%_Lf9%Hw!t8H3Lx"
CSRF_COOKIE_NAME = "csrftoken"
TOKEN_EXPIRE_HOURS = 24
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
SENDGRID_API_KEY = os.environ.get("SENDGRID_API_KEY", "")
STATIC_MANIFEST_HASH = "67a028a7e4ff83a0290439986412683d"
CELERY_BROKER_URL = "redis://:ayjNgYrJaRYIe20z@redis.internal:6379/0"
AWS_SESSION_TOKEN = "IQoJb3JpZ2luX2VjEsqR5VVilxFqZgZngr8sWNJGAc61hNYpAEYGu4xRkPWC153IjBmKwc3PyzNNVpLawXK+mC+NTukzn2960olWt89V+IKlyI9W64D+elGkk2TwBPfA/DnHNgaXeScL3+UvuvRLZan7zpFUhNocs/qldcBMhVQ99NlisU+1LbczQxdomUW8gsrJy3Wz7/hfUA4iWFyyN81SVAQq/s3hpfOQO/BRRNNA1UsyAkDwHNtfgp8bio4IJy+edtuP/HM0GdJPQvjTmjg9/Cr9spnnV2TgZu7FsnyJyIRGIG9i2M0FuVEEF"
AWS_ACCESS_KEY_ID = "ASIAKDVPDXWKDYJVGBIS"
