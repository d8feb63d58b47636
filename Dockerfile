# syntax=docker/dockerfile:1
# One image for every service of the Dân Vận Khéo platform; the command picks the service:
#   docker run dan-van-kheo serve evaluation
# No HEALTHCHECK here: docker-compose.yml defines one per service (GET /readyz on its own port).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: install the project and its dependencies into a virtualenv --------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
RUN pip install .

# --- runtime: the virtualenv only, run by an unprivileged user -----------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="dan-van-kheo" \
      org.opencontainers.image.description="Nền tảng phong trào thi đua Dân vận khéo / the Dân vận khéo platform"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 dvk \
 && useradd --system --uid 10001 --gid dvk --home-dir /home/dvk --create-home --shell /usr/sbin/nologin dvk
COPY --from=build /opt/venv /opt/venv
USER dvk:dvk
WORKDIR /home/dvk
# registry, evaluation, awards, notifications (each listens on DVK_<SERVICE>_HOST, 0.0.0.0 in a container)
EXPOSE 8101 8102 8103 8104
ENTRYPOINT ["dvk"]
CMD ["serve", "registry"]
