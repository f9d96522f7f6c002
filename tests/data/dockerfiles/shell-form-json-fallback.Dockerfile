FROM alpine
CMD ['single', 'quotes', 'are', 'not', 'json']
ENTRYPOINT [ "valid", "json" ]
RUN ["unterminated", "array"
CMD []
