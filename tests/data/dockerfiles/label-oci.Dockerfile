FROM busybox:1.36
LABEL org.opencontainers.image.title="Pier sample" \
      org.opencontainers.image.description="A label with \"quotes\" and an escaped\ space" \
      org.opencontainers.image.licenses='GPL-3.0-or-later' \
      com.example.empty="" \
      com.example.multi="line one \
line two"
LABEL single-word=yes
LABEL "com.example.vendor"="ACME Incorporated"
