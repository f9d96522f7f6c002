FROM alpine   

   
   RUN    echo   "leading and trailing"   
ENV   SPACED   =   no
ENV  K=v   
CMD   [ "a"  ,  "b" ]   
