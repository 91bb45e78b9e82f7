# Build the Windows kiosk bundle: dist\nanum-kiosk\ with nanum.exe (commands,
# self-test) and nanum-kiosk.exe (the kiosk, no console window, for Shell
# Launcher), then a zip to copy onto kiosks.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
#
# Needs Python 3.11 (x64) from python.org on PATH as `py -3.11`. Run it on
# Windows 10/11 x64; PyInstaller cannot cross-build from Linux.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not (Test-Path .venv-win\Scripts\python.exe)) { py -3.11 -m venv .venv-win }
$py = ".venv-win\Scripts\python.exe"
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -e . -r packaging\requirements-build.txt
if ($LASTEXITCODE) { throw "pip install failed" }

Remove-Item -Recurse -Force build\pyinstaller, dist\nanum-kiosk -ErrorAction SilentlyContinue
& $py -m PyInstaller --noconfirm --clean --log-level WARN `
    --workpath build\pyinstaller --distpath dist packaging\nanum.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }

# The bundle must pass its own self-test before it goes anywhere.
$env:QT_QPA_PLATFORM = "offscreen"
& dist\nanum-kiosk\nanum.exe --lang en self-test
if ($LASTEXITCODE) { throw "self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM

$version = & $py -c "import kiosk; print(kiosk.__version__)"
$zip = "dist\nanum-kiosk-$version-windows-x64.zip"
Compress-Archive -Force -Path dist\nanum-kiosk -DestinationPath $zip
$size = (Get-ChildItem -Recurse dist\nanum-kiosk | Measure-Object -Sum Length).Sum / 1MB
"bundle: dist\nanum-kiosk ({0:N0} MB), $zip" -f $size
