# A GUI application served over RDP from inside the container.
FROM debian:bookworm
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      weston \
      xwayland \
      gnome-calculator \
      dbus-user-session \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --shell /bin/bash desk
COPY --chmod=0755 <<'EOF' /usr/local/bin/start-session
#!/bin/sh
exec weston --backend=rdp-backend.so --rdp-tls-cert="$HOME/tls.crt" --rdp-tls-key="$HOME/tls.key"
EOF
USER desk
ENV XDG_RUNTIME_DIR=/tmp/runtime-desk
EXPOSE 3389
CMD ["/usr/local/bin/start-session"]
