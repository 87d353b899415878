; Inno Setup 6 script: the Windows installer of the one-folder bundle (docs/install.md).
;   py -3.11 scripts\bootstrap.py bundle
;   iscc /DVersion=0.1.0 packaging\jiangxin.iss   ->  dist\jiangxin-0.1.0-setup.exe
; A per-user install (no administrator rights), shortcuts to the windowed jiangxinw.exe.
; Contests, backups and settings live in the user's folders and are never removed here.

#ifndef Version
  #define Version "0.0.0"
#endif

[Setup]
AppId={{6F4E3B1C-7A52-4C1B-9F0E-4A3D2B8C1E77}
AppName=匠心 Jiangxin
AppVersion={#Version}
AppPublisher=Jiangxin
DefaultDirName={localappdata}\Programs\Jiangxin
DefaultGroupName=匠心 Jiangxin
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=jiangxin-{#Version}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\jiangxinw.exe

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\dist\jiangxin\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\匠心 Jiangxin"; Filename: "{app}\jiangxinw.exe"
Name: "{group}\{cm:UninstallProgram,匠心 Jiangxin}"; Filename: "{uninstallexe}"
Name: "{userdesktop}\匠心 Jiangxin"; Filename: "{app}\jiangxinw.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\jiangxinw.exe"; Description: "{cm:LaunchProgram,匠心 Jiangxin}"; Flags: nowait postinstall skipifsilent
