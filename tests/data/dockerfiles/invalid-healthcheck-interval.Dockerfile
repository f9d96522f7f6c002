FROM nginx
HEALTHCHECK --interval=30 \
  CMD curl -f http://localhost/
