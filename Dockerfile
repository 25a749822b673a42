# Aftershock on the official Airflow image: the project and its pinned dependencies installed on top.
FROM apache/airflow:3.3.2-python3.11

USER root
# curl for the health checks; nothing else beyond the base image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /opt/aftershock && chown airflow:0 /opt/aftershock

WORKDIR /opt/aftershock
COPY --chown=airflow:0 . ./

USER airflow
# The lock pins the whole tree (including apache-airflow==3.3.2, the image's own version), so the
# install cannot move Airflow under the image.
# data/ is created here, owned by airflow: the empty named volume mounted on it inherits that.
RUN pip install --no-cache-dir -c requirements.lock -e . \
 && mkdir -p /opt/aftershock/data/site

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/aftershock/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/aftershock/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AFTERSHOCK_DATA_DIR=/opt/aftershock/data \
    AFTERSHOCK_DBT_PROJECT=/opt/aftershock/dbt
