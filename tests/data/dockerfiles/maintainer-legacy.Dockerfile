FROM ubuntu:14.04
MAINTAINER Jane Doe <jane@example.invalid>
ENV DEBIAN_FRONTEND noninteractive
ENV HOME /root
LABEL version 1.0
RUN apt-get update && apt-get install -y python
ADD app.tar.gz /opt/
CMD python /opt/app/run.py
