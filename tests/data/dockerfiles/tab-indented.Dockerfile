FROM	alpine:3.19
RUN		echo tabs	
ENV	KEY	value with	tab
EXPOSE	80	443
	WORKDIR	/srv
