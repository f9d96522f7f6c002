FROM httpd:2.4
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --start-interval=2s --retries=3 \
  CMD curl -fsS http://localhost/ || exit 1
FROM httpd:2.4 AS exec-form
HEALTHCHECK --interval=1m30s CMD ["/usr/local/bin/probe", "--quiet"]
FROM httpd:2.4 AS no-check
HEALTHCHECK NONE
