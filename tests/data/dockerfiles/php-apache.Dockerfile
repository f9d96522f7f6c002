FROM php:8.3-apache
LABEL maintainer="ops@example.invalid" \
      org.opencontainers.image.source="https://example.invalid/wiki"
RUN apt-get update && apt-get install -y \
        libfreetype6-dev \
        libjpeg62-turbo-dev \
        libpng-dev \
    && docker-php-ext-configure gd --with-freetype --with-jpeg \
    && docker-php-ext-install -j$(nproc) gd pdo_mysql
COPY --chown=www-data:www-data . /var/www/html/
RUN a2enmod rewrite
