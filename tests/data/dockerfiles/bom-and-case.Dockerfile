From alpine:3.19 as Base
run echo lower
WorkDir /app
copy . .
EnTrYpOiNt ["/bin/sh"]
