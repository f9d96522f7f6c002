FROM alpine
LABEL org.opencontainers.image.authors="Zoë Ångström <zoe@example.invalid>" \
      description="日本語のラベル — with an em dash"
ENV GREETING="¡Hola, mundo!"
RUN echo "${GREETING} ✓"
