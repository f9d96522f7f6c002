# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
ENV TOOLS_DIR C:\tools
RUN New-Item -ItemType Directory -Path $env:TOOLS_DIR ; `
    Invoke-WebRequest -Uri https://example.invalid/tool.zip -OutFile C:\tool.zip ; `
    Expand-Archive C:\tool.zip -DestinationPath $env:TOOLS_DIR
COPY app\ C:\app\
WORKDIR C:\app
CMD ["C:\\app\\server.exe"]
