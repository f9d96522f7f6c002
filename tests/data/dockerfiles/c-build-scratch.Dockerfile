FROM gcc:13 AS build
COPY hello.c /src/
RUN gcc -static -Os -o /src/hello /src/hello.c && strip /src/hello

FROM scratch
COPY --from=build /src/hello /hello
CMD ["/hello"]
