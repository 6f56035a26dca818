<?php
define( 'DB_NAME', 'shop_blog' );
define( 'DB_USER', 'blog' );
define( 'DB_PASSWORD', 'FYXx=4-2gCJzo7!Efa' );
define( 'DB_HOST', 'mysql.internal' );
define( 'AUTH_KEY',         'PgUYMcSkzJb2Zwspdybl' );
define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );
define( 'NONCE_SALT',       'put your unique phrase here' );
$table_prefix = 'wp_';
$smtp_password = getenv('SMTP_PASSWORD');
