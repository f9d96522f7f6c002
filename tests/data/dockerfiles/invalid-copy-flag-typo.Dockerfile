FROM golang AS build
FROM alpine
COPY --form=build /out /usr/bin/
