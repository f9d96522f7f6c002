FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.invalid/install.sh | bash
CMD echo "shell form with $HOME" && exec sleep infinity
ENTRYPOINT exec /usr/bin/tini -- "$@"
