#!/usr/bin/env bash
# Builds what the container path needs on a machine with no image registry:
#   1. starts the local engine and its Debian base image (container-engine up / base-image);
#   2. the stand-ins for the official images, FROM localhost/debian:bookworm, each rebuilt only when
#      its directory under .ci/images changed (a content hash label), so the engine keeps them;
#   3. hookpipe's image from the real ./Dockerfile, on the node stand-in (layer cache: quick when
#      only sources changed).
# Env: CONTAINER_ENGINE (default ../shared/tools/container-engine), STANDIN_REBUILD=1 forces step 2.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/.ci/images
engine=${CONTAINER_ENGINE:-$root/../shared/tools/container-engine}
cd "$root"
engine=$(cd "$(dirname "$engine")" && pwd)/$(basename "$engine") # absolute: it is also run from /

# The engine's API service keeps the directory it was started from as its working directory, and
# every container it starts afterwards fails ("write child: broken pipe", conmon: "Failed to get
# working directory") once that directory is gone, e.g. a fresh clone deleted after its run. So it
# is started from /, and one left running from a directory that is gone is restarted first.
service_pid=$(cat /run/container-engine/service.pid 2>/dev/null || true)
if [[ -n $service_pid && $(readlink "/proc/$service_pid/cwd" 2>/dev/null) == *" (deleted)" ]]; then
  echo "build: the engine's API service runs in a deleted directory; restarting it"
  (cd / && "$engine" down)
fi
(cd / && "$engine" up)
eval "$("$engine" env)"
"$engine" base-image
set -a
# shellcheck source=images.env
. "$here/images.env"
set +a

hash_of() { (cd "$1" && find . -type f ! -path './libs/*' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }
label_of() { docker image inspect -f '{{ index .Config.Labels "dev.hookpipe.standin-hash" }}' "$1" 2>/dev/null || true; }

# Builds $2 from the directory $1 unless the engine has it with the same content hash.
standin() {
  local dir=$1 tag=$2 context=$1 hash
  hash=$(hash_of "$dir")
  if [[ ${STANDIN_REBUILD:-0} != 1 && $(label_of "$tag") == "$hash" ]]; then
    echo "build: $tag is up to date"
    return
  fi
  if [[ -f $dir/pom.xml ]]; then
    # Kafka: the jars come from Maven Central (or ~/.m2) into a context assembled under .cache.
    context=$root/.cache/images/$(basename "$dir")
    rm -rf "$context" && mkdir -p "$context"
    cp -r "$dir"/. "$context"/
    echo "build: fetching the jars of $tag with Maven"
    mvn -q -B -Dstyle.color=never -f "$dir/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$context/libs"
  fi
  echo "build: $tag (from $dir)"
  local started=$SECONDS
  docker build -q --label "dev.hookpipe.standin-hash=$hash" -t "$tag" "$context" >/dev/null
  echo "build: $tag built in $((SECONDS - started)) s"
}

standin "$here/node" "$NODE_IMAGE"
standin "$here/postgres" "$POSTGRES_IMAGE"
standin "$here/kafka" "$KAFKA_IMAGE"
standin "$here/nginx" "$NGINX_IMAGE"

started=$SECONDS
echo "build: $HOOKPIPE_IMAGE from ./Dockerfile (NODE_IMAGE=$NODE_IMAGE)"
docker build -q --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$HOOKPIPE_IMAGE" "$root" >/dev/null
echo "build: $HOOKPIPE_IMAGE built in $((SECONDS - started)) s"
