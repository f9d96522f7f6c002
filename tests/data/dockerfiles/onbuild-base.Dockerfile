FROM python:3.12-alpine
LABEL description="Base image: build your app FROM this one"
WORKDIR /app
ONBUILD COPY requirements.txt ./
ONBUILD RUN pip install --no-cache-dir -r requirements.txt
ONBUILD COPY . .
ONBUILD ARG APP_ENV=production
ONBUILD ENV APP_ENV=$APP_ENV
CMD ["python", "app.py"]
