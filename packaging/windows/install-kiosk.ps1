# Set up a Windows PC as a Nanum kiosk with Shell Launcher (run as Administrator).
#
#   powershell -ExecutionPolicy Bypass -File install-kiosk.ps1 -Bundle .\nanum-kiosk -Site GN01 -SiteName "강남 나눔센터"
#
# Needs Windows 10/11 Enterprise, Education or IoT Enterprise (Shell Launcher
# is not in Home or Pro). It copies the bundle to C:\Program Files\NanumKiosk,
# writes C:\ProgramData\NanumKiosk\config.toml, sets up the kiosk database,
# creates the local user "nanum-kiosk" and makes nanum-kiosk.exe that user's
# shell: Windows restarts it whenever it exits (crash screen, staff exit).
param(
    [Parameter(Mandatory)] [string] $Bundle,
    [Parameter(Mandatory)] [string] $Site,
    [Parameter(Mandatory)] [string] $SiteName,
    [string] $KioskUser = "nanum-kiosk"
)
$ErrorActionPreference = "Stop"
$app = "C:\Program Files\NanumKiosk"
$data = "C:\ProgramData\NanumKiosk"

# 1. Shell Launcher (a Windows feature; a restart may be asked for)
Enable-WindowsOptionalFeature -Online -FeatureName Client-EmbeddedShellLauncher -All -NoRestart | Out-Null

# 2. The program and its configuration (every option documented, data under ProgramData)
New-Item -ItemType Directory -Force $app, $data, "$data\data" | Out-Null
Copy-Item -Recurse -Force "$Bundle\*" $app
$env:NANUM_CONFIG = "$data\config.toml"
[Environment]::SetEnvironmentVariable("NANUM_CONFIG", $env:NANUM_CONFIG, "Machine")
if (-not (Test-Path $env:NANUM_CONFIG)) {
    $config = @"
# Nanum Kiosk configuration (Windows). Every option, with its default, is
# listed in packaging/README.md ("Configuration"); restart the PC after a change.
[kiosk]
data_dir = "$($data -replace '\\','/')/data"
[camera]
device = "0"
"@
    # UTF-8 without a byte order mark: TOML readers refuse one
    [IO.File]::WriteAllText($env:NANUM_CONFIG, $config, (New-Object Text.UTF8Encoding $false))
}

# 3. The kiosk database, then the self-test
& "$app\nanum.exe" init --site $Site --site-name $SiteName
if ($LASTEXITCODE) { throw "nanum init failed" }
$env:QT_QPA_PLATFORM = "offscreen"
& "$app\nanum.exe" self-test
if ($LASTEXITCODE) { throw "self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM

# 4. The kiosk user (signs in automatically) may write the data folder
if (-not (Get-LocalUser -Name $KioskUser -ErrorAction SilentlyContinue)) {
    New-LocalUser -Name $KioskUser -NoPassword -AccountNeverExpires -UserMayNotChangePassword | Out-Null
    Set-LocalUser -Name $KioskUser -PasswordNeverExpires $true
}
icacls $data /grant "${KioskUser}:(OI)(CI)M" | Out-Null
$sid = (Get-LocalUser -Name $KioskUser).SID.Value

# 5. nanum-kiosk.exe as that user's shell. Exit codes: restart the shell on
#    anything (0: staff closed the kiosk, 70: restart after the crash screen).
$shell = Get-CimClass -Namespace root\standardcimv2\embedded -ClassName WESL_UserSetting
Invoke-CimMethod -CimClass $shell -MethodName SetEnabled -Arguments @{ Enabled = $true } | Out-Null
Invoke-CimMethod -CimClass $shell -MethodName SetCustomShell -Arguments @{
    Sid = $sid; Shell = "`"$app\nanum-kiosk.exe`""; DefaultAction = 0
} | Out-Null

# 6. Sign the kiosk user in at boot
$winlogon = "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
Set-ItemProperty $winlogon AutoAdminLogon "1"
Set-ItemProperty $winlogon DefaultUserName $KioskUser
Set-ItemProperty $winlogon DefaultPassword ""
"Done. Restart the PC: it signs in as $KioskUser and shows the kiosk."
