# The Tinget image the manifests in infra/k8s run: `tinget gateway | relay | project | migrate`.
# Two stages: wheels are built with the compilers, the runtime holds only what runs.
FROM python:3.11-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY events events
COPY gateway gateway
COPY projections projections
COPY services services
COPY tenants tenants
COPY tinget tinget
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TINGET_DATA_DIR=/var/lib/tinget
# Pango and a font for the committee report's PDF (WeasyPrint)
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 \
    libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
# pabutools requires gurobipy (a proprietary solver) for analyses Tinget never runs; the
# counting it uses does not import it (tests/domain/test_budget_dependencies.py), so the
# image leaves it out.
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && pip uninstall --yes gurobipy \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/tinget tinget \
    && mkdir -p /var/lib/tinget && chown tinget:tinget /var/lib/tinget
USER 10001:10001
WORKDIR /var/lib/tinget
EXPOSE 8000 9464
ENTRYPOINT ["tinget"]
CMD ["gateway"]
