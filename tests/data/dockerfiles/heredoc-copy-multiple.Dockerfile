FROM alpine
COPY --chmod=755 <<script.sh <<"config.ini" /opt/tool/
#!/bin/sh
echo "running with $HOME"
script.sh
[main]
path = $HOME/data
config.ini
RUN /opt/tool/script.sh
