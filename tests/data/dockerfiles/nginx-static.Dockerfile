FROM node:20-alpine AS site
WORKDIR /site
COPY . .
RUN npm ci && npm run build

FROM nginx:1.25-alpine
COPY <<'EOF' /etc/nginx/conf.d/default.conf
server {
    listen 80;
    root /usr/share/nginx/html;
    location / {
        try_files $uri $uri/ /index.html;
    }
}
EOF
COPY --from=site /site/public /usr/share/nginx/html
