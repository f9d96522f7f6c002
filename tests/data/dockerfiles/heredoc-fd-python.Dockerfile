FROM python:3.12-alpine
RUN python3 <<PYTHON
import sys
print("python", sys.version_info[:2])
PYTHON
RUN cat 3<<CONF 4<<-'RAW' <&3
listen=0.0.0.0
CONF
	literal $VALUE
	RAW
RUN <<  SPACED
echo "delimiter after spaces"
SPACED
