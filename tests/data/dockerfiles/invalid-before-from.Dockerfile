# the base comes later
ENV A=1
FROM alpine
