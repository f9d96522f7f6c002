FROM nginx
COPY ["site files/index.html", "site files/about.html", "/usr/share/nginx/html/"]
ADD [ "conf/my site.conf", "/etc/nginx/conf.d/" ]
VOLUME [ "/usr/share/nginx/html" ]
