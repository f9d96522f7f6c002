FROM alpine
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.invalid/tool-1.2.tar.gz /tmp/
ADD --keep-git-dir=true https://example.invalid/project.git#v1.0.0 /src/project
ADD rootfs.tar.xz /
