#!/usr/bin/env bash
# Build the lean OpenCV wheel the kiosk bundle carries, into a cache outside the
# checkout (NANUM_BUILD_CACHE, default ~/.cache/nanum-kiosk) keyed by this script
# and requirements.txt, so fresh clones (CI) reuse it.
#
#   bash packaging/opencv/build-opencv.sh      # prints the wheel's path
#
# The PyPI wheel is 175 MB installed: every OpenCV module (dnn, calib, objdetect,
# stitching...) plus FFmpeg, OpenBLAS and codecs the kiosk never uses. The kiosk
# needs four modules: core and imgproc (the scan pipeline), imgcodecs (JPEG and
# PNG) and videoio (cameras through V4L2, MJPEG AVI files). This builds exactly
# those from the pinned source in requirements.txt with opencv-python's own
# packaging, so the result installs as `opencv-python-headless` and PyInstaller's
# cv2 hook treats it as the usual wheel. About 11 minutes on 2 cores; the wheel
# is reused until this script or requirements.txt changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || bash scripts/setup
here=packaging/opencv
stamp=$(cat "$here/build-opencv.sh" "$here/requirements.txt" | sha256sum | cut -c1-16)
out=${NANUM_BUILD_CACHE:-$HOME/.cache/nanum-kiosk}/opencv-$stamp
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && ls "$out"/opencv_python_headless-*.whl >/dev/null 2>&1; then
  ls "$out"/opencv_python_headless-*.whl
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
command -v cmake >/dev/null && command -v g++ >/dev/null && command -v nasm >/dev/null || {
  # nasm assembles libjpeg-turbo's SIMD code: every camera frame is a JPEG to decode.
  echo "build-opencv: needs cmake, g++ and nasm (apt-get install cmake g++ nasm)" >&2
  exit 1
}

flags=(
  -DBUILD_LIST=core,imgproc,imgcodecs,videoio,python3
  # Cameras through V4L2; MJPEG AVI files through OpenCV's own reader.
  -DWITH_V4L=ON -DWITH_FFMPEG=OFF -DWITH_GSTREAMER=OFF -DWITH_1394=OFF -DWITH_GPHOTO2=OFF
  -DWITH_OBSENSOR=OFF -DWITH_VA=OFF -DWITH_VA_INTEL=OFF
  # JPEG and PNG, built in (libjpeg-turbo, libpng, zlib); no other image formats.
  -DBUILD_JPEG=ON -DBUILD_PNG=ON -DBUILD_ZLIB=ON
  -DWITH_TIFF=OFF -DWITH_WEBP=OFF -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF -DWITH_OPENEXR=OFF
  -DBUILD_OPENEXR=OFF -DWITH_AVIF=OFF -DWITH_JPEGXL=OFF -DWITH_GDAL=OFF -DWITH_GDCM=OFF
  -DWITH_IMGCODEC_HDR=OFF -DWITH_IMGCODEC_SUNRASTER=OFF -DWITH_IMGCODEC_PXM=OFF
  -DWITH_IMGCODEC_PFM=OFF -DWITH_IMGCODEC_GIF=OFF
  # No linear algebra libraries (the kiosk solves no systems), no GPU, no tracing.
  -DWITH_LAPACK=OFF -DWITH_EIGEN=OFF -DWITH_OPENCL=OFF -DWITH_PROTOBUF=OFF -DWITH_ITT=OFF
  -DCV_TRACE=OFF
  # Intel's IPP would be downloaded from GitHub at configure time; OpenCV's own SIMD code
  # does the blur, threshold and resize of the scan pipeline (bench/scan.py measures it).
  -DWITH_IPP=OFF
  # Code paths chosen at run time up to AVX2: few kiosk PCs' processors (Celeron, recent
  # Core i3/i5) have AVX-512, and leaving it out shortens the build.
  -DCPU_BASELINE=SSE3 -DCPU_DISPATCH=SSE4_1,SSE4_2,AVX,FP16,AVX2
  -DENABLE_PRECOMPILED_HEADERS=OFF
)
echo "build-opencv: building the lean OpenCV wheel (about 11 minutes on 2 cores)" >&2
"$PY" -m pip download --quiet --no-deps --no-binary opencv-python-headless \
  --require-hashes -r "$here/requirements.txt" -d "$out/src" >&2
tar -xzf "$out"/src/opencv_python_headless-*.tar.gz -C "$out/src"
src=$(echo "$out"/src/opencv_python_headless-*/)
# The typing stubs (py.typed, cv2/typing) name classes of modules left out, so OpenCV
# does not generate them; install the package without them.
installer="$src/cmake/package/install_package.cmake"
sed -i -e 's|^opencv_python_install("" GLOB "${_loader}/py.typed")|opencv_python_install("" OPTIONAL GLOB "${_loader}/py.typed")|' \
  -e 's|^  opencv_python_install(${_subpackage} RECURSE GLOB|  opencv_python_install(${_subpackage} OPTIONAL RECURSE GLOB|' "$installer"
grep -q 'OPTIONAL GLOB "${_loader}/py.typed"' "$installer" && grep -q '${_subpackage} OPTIONAL RECURSE' "$installer" ||
  { echo "build-opencv: $installer changed; update the patch above" >&2; exit 1; }
ENABLE_HEADLESS=1 CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) CMAKE_ARGS="${flags[*]}" \
  "$PY" -m pip wheel --quiet --no-deps "$src" -w "$out" >&2
rm -rf "$out/src"
echo "$stamp" >"$out/stamp"
ls "$out"/opencv_python_headless-*.whl
