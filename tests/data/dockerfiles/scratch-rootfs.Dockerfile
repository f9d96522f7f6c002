FROM scratch
ADD alpine-minirootfs-3.19.1-x86_64.tar.gz /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/bin/sh"]
