#!/bin/sh
# Renders every $NGINX_ENVSUBST_TEMPLATE_DIR/**/*$NGINX_ENVSUBST_TEMPLATE_SUFFIX into
# $NGINX_ENVSUBST_OUTPUT_DIR with envsubst, substituting only variables that are defined (and,
# when NGINX_ENVSUBST_FILTER is set, whose names match it), so nginx's own $variables survive.
set -e
me=$(basename "$0")
log() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }
template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
filter=${NGINX_ENVSUBST_FILTER:-}
[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
  log "$me: ERROR: $template_dir exists, but $output_dir is not writable"
  exit 0
fi
defined=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
  relative=${template#"$template_dir/"}
  output="$output_dir/${relative%"$suffix"}"
  mkdir -p "$(dirname "$output")"
  log "$me: Running envsubst on $template to $output"
  envsubst "$defined" <"$template" >"$output"
done
exit 0
