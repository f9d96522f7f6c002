FROM debian:bookworm

# Tools for the build; keep the list sorted.
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		autoconf \
		automake \
# libtool is needed by autoreconf
		libtool \
		make \
		pkg-config \
	; \
	rm -rf /var/lib/apt/lists/*

ENV LANG C.UTF-8
