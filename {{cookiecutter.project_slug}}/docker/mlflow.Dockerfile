# The team's MLflow tracking server: PostgreSQL for runs and the registry, artifacts
# proxied by the server (clients need no storage credentials). See docker-compose.yml.
FROM python:{{ cookiecutter.python_version }}-slim
RUN pip install --no-cache-dir "mlflow==3.17.2" "psycopg[binary]==3.3.9" \
    && useradd --create-home --uid 10001 mlflow \
    && mkdir /mlartifacts \
    && chown 10001:10001 /mlartifacts
USER 10001:10001
# The server's usage telemetry (and the UI's) stays off unless run with this set to false.
ENV MLFLOW_DISABLE_TELEMETRY=true
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=2)"]
