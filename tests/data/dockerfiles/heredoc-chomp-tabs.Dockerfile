FROM debian:bookworm-slim
RUN <<-EOT
	set -e
	if true; then
		echo indented
	fi
	EOT
COPY <<-"EOF" /etc/motd
	Welcome, $USER
EOF
