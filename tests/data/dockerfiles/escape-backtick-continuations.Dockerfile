# escape=`
FROM mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022
ENV INSTALL_DIR=C:\Program` Files\tool `
    CONFIG=C:\ProgramData\tool\config.json
RUN pwsh -Command `
    Write-Host "installing to $env:INSTALL_DIR" ; `
# still inside the RUN
    New-Item -Force -ItemType Directory $env:INSTALL_DIR
LABEL path="C:\logs\" note=`"quoted`"
