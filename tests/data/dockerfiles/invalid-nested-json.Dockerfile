FROM alpine
CMD ["sh", ["-c", "true"]]
