; Windows installer of kehrbote-agent (NSIS 3, 64-bit Unicode stub).
;
; Contract (docs/firm-guide.md "Install on Windows" is the user-facing side):
; - Installs kehrbote-agent.exe, its tzdata\ folder, agent.example.yaml and
;   uninstall.exe to $PROGRAMFILES64\Kehrbote (or the chosen folder).
; - Creates C:\ProgramData\Kehrbote (and log\ inside) when missing, with a protected
;   DACL: SYSTEM and Administrators full control, inherited, nothing from above. An
;   existing folder keeps its ACL: the firm's admin may have added the service account.
; - Writes C:\ProgramData\Kehrbote\agent.yaml only if there is none: from /CONFIG=FILE
;   if given (a prepared config, for remote installs), else from the example. An
;   existing agent.yaml is never overwritten.
; - Registers the service kehrbote-agent (automatic start) through the agent's own
;   /registerService (Poco); a reinstall points it at the (possibly new) folder. Starts it only if the config was there before or came from /CONFIG: with
;   the unedited example the agent would only fail on its config.
; - Writes the Add/Remove Programs entry. The uninstaller stops and removes the
;   service, removes the program folder and keeps C:\ProgramData\Kehrbote unless
;   the section "Konfiguration und Daten löschen" is chosen (silent: /PURGE).
; - Silent: setup.exe /S [/CONFIG=FILE] [/D=DIR]; uninstall.exe /S [/PURGE].
;   Exit code 0 on success, 2 if aborted (e.g. the service could not be registered).
;
; makensis defines (installer/windows/CMakeLists.txt passes them):
;   VERSION         e.g. 0.1.0
;   AGENT_EXE       path of kehrbote-agent.exe
;   TZDATA_DIR      folder with the IANA tzdata text files (shipped as tzdata\)
;   EXAMPLE_CONFIG  installer/windows/agent.example.yaml
;   OUTFILE         path of the setup .exe to write

Unicode true
Target amd64-unicode
ManifestSupportedOS all
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!macro REQUIRE_DEFINE name
  !ifndef ${name}
    !error "makensis -D${name}=... is required (see installer/windows/CMakeLists.txt)"
  !endif
!macroend
!insertmacro REQUIRE_DEFINE VERSION
!insertmacro REQUIRE_DEFINE AGENT_EXE
!insertmacro REQUIRE_DEFINE TZDATA_DIR
!insertmacro REQUIRE_DEFINE EXAMPLE_CONFIG
!insertmacro REQUIRE_DEFINE OUTFILE

!define SERVICE "kehrbote-agent"
!define SERVICE_DISPLAY "Kehrbote Agent"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\KehrboteAgent"
!define SERVICE_KEY "SYSTEM\CurrentControlSet\Services\${SERVICE}"
; The agent's own SDDL (shared/env/env_windows.cc) without the owner entry.
!define DATA_SDDL "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

Name "Kehrbote Agent ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Kehrbote"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "Kehrbote ${VERSION}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Var DataDir          ; C:\ProgramData\Kehrbote
Var ConfigFromUser   ; 1 if agent.yaml existed before or came from /CONFIG
Var PreparedConfig   ; /CONFIG=FILE, or empty

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_TEXT "$(FinishText)"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "German"
!insertmacro MUI_LANGUAGE "English"

LangString FinishText ${LANG_GERMAN} "Der Dienst $\"${SERVICE_DISPLAY}$\" ist eingerichtet.$\r$\n$\r$\nAls Nächstes: C:\ProgramData\Kehrbote\agent.yaml bearbeiten, $\"kehrbote-agent.exe check$\" ausführen und den Dienst mit $\"net start ${SERVICE}$\" starten (siehe Firmenanleitung)."
LangString FinishText ${LANG_ENGLISH} "The service $\"${SERVICE_DISPLAY}$\" is set up.$\r$\n$\r$\nNext: edit C:\ProgramData\Kehrbote\agent.yaml, run $\"kehrbote-agent.exe check$\" and start the service with $\"net start ${SERVICE}$\" (see the firm guide)."
LangString RegisterFailed ${LANG_GERMAN} "Der Dienst ${SERVICE} konnte nicht registriert werden (Exit-Code $0)."
LangString RegisterFailed ${LANG_ENGLISH} "The service ${SERVICE} could not be registered (exit code $0)."
LangString ExeLocked ${LANG_GERMAN} "$INSTDIR\kehrbote-agent.exe ist noch in Benutzung; bitte den Dienst ${SERVICE} beenden und erneut versuchen."
LangString ExeLocked ${LANG_ENGLISH} "$INSTDIR\kehrbote-agent.exe is still in use; stop the service ${SERVICE} and try again."
LangString ConfigMissing ${LANG_GERMAN} "Die mit /CONFIG angegebene Datei $0 fehlt."
LangString ConfigMissing ${LANG_ENGLISH} "The file $0 given with /CONFIG does not exist."
LangString AclFailed ${LANG_GERMAN} "Die Zugriffsrechte von $DataDir konnten nicht gesetzt werden (Fehler $0)."
LangString AclFailed ${LANG_ENGLISH} "Could not set the access rights of $DataDir (error $0)."
LangString SecPurgeName ${LANG_GERMAN} "Konfiguration und Daten löschen (C:\ProgramData\Kehrbote)"
LangString SecPurgeName ${LANG_ENGLISH} "Delete configuration and data (C:\ProgramData\Kehrbote)"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=${LANG_GERMAN} "ProductName" "Kehrbote Agent"
VIAddVersionKey /LANG=${LANG_GERMAN} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_GERMAN} "FileDescription" "Kehrbote Agent Setup"
VIAddVersionKey /LANG=${LANG_GERMAN} "LegalCopyright" "Kehrbote"

; ---------------------------------------------------------------------------
; Shared pieces (a macro, because installer and uninstaller need their own copies)

; Stops the service if it is registered and waits (bounded) until its executable
; can be opened for writing: net stop returns when the service reports STOPPED, the
; process may take a moment longer to exit.
!macro STOP_SERVICE un
Function ${un}StopService
  ClearErrors
  ReadRegStr $0 HKLM "${SERVICE_KEY}" "ImagePath"
  ${If} ${Errors}
    Return
  ${EndIf}
  DetailPrint "net stop ${SERVICE}"
  nsExec::ExecToLog '"$SYSDIR\net.exe" stop ${SERVICE}'
  Pop $0
  ${IfNot} ${FileExists} "$INSTDIR\kehrbote-agent.exe"
    Return
  ${EndIf}
  StrCpy $1 0
  ${Do}
    ClearErrors
    FileOpen $2 "$INSTDIR\kehrbote-agent.exe" a
    ${IfNot} ${Errors}
      FileClose $2
      Return
    ${EndIf}
    IntOp $1 $1 + 1
    ${If} $1 >= 60
      MessageBox MB_OK|MB_ICONSTOP "$(ExeLocked)" /SD IDOK
      SetErrorLevel 2
      Abort
    ${EndIf}
    Sleep 500
  ${Loop}
FunctionEnd
!macroend
!insertmacro STOP_SERVICE ""
!insertmacro STOP_SERVICE "un."

; ---------------------------------------------------------------------------
; Installer

; /CONFIG=FILE is checked before anything is installed.
Function .onInit
  SetShellVarContext all
  StrCpy $DataDir "$APPDATA\Kehrbote"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/CONFIG=" $PreparedConfig
  ${If} ${Errors}
    StrCpy $PreparedConfig ""
  ${ElseIfNot} ${FileExists} "$PreparedConfig"
    StrCpy $0 $PreparedConfig
    MessageBox MB_OK|MB_ICONSTOP "$(ConfigMissing)" /SD IDOK
    SetErrorLevel 2
    Abort
  ${EndIf}
FunctionEnd

; Protected DACL on $DataDir (SYSTEM, Administrators; inherited by what is inside).
; The same Windows call the agent uses, so the result is the same.
Function RestrictDataDir
  System::Call 'advapi32::ConvertStringSecurityDescriptorToSecurityDescriptorW(w "${DATA_SDDL}", i 1, *p .r1, p 0) i .r0 ?e'
  Pop $5
  ${If} $0 = 0
    StrCpy $0 $5
    Goto failed
  ${EndIf}
  System::Call 'advapi32::GetSecurityDescriptorDacl(p r1, *i .r2, *p .r3, *i .r4) i .r0'
  ; SE_FILE_OBJECT = 1; DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION
  System::Call 'advapi32::SetNamedSecurityInfoW(w "$DataDir", i 1, i 0x80000004, p 0, p 0, p r3, p 0) i .r0'
  System::Call 'kernel32::LocalFree(p r1)'
  ${If} $0 = 0
    DetailPrint "ACL of $DataDir: SYSTEM, Administrators"
    Return
  ${EndIf}
failed:
  MessageBox MB_OK|MB_ICONSTOP "$(AclFailed)" /SD IDOK
  SetErrorLevel 2
  Abort
FunctionEnd

Function CreateDataDir
  ${IfNot} ${FileExists} "$DataDir\*.*"
    CreateDirectory "$DataDir"
    Call RestrictDataDir
  ${EndIf}
  ; log\ holds the log (the example config's log.file); it inherits the DACL.
  CreateDirectory "$DataDir\log"
FunctionEnd

; agent.yaml: never overwritten; /CONFIG=FILE or the example when missing.
Function WriteConfig
  StrCpy $ConfigFromUser 0
  ${If} ${FileExists} "$DataDir\agent.yaml"
    DetailPrint "$DataDir\agent.yaml exists; kept"
    StrCpy $ConfigFromUser 1
    Return
  ${EndIf}
  ${If} $PreparedConfig != ""
    CopyFiles /SILENT "$PreparedConfig" "$DataDir\agent.yaml"
    DetailPrint "$DataDir\agent.yaml from $PreparedConfig"
    StrCpy $ConfigFromUser 1
    Return
  ${EndIf}
  CopyFiles /SILENT "$INSTDIR\agent.example.yaml" "$DataDir\agent.yaml"
  DetailPrint "$DataDir\agent.yaml written from the example: edit it"
FunctionEnd

Function RegisterService
  ClearErrors
  ReadRegStr $0 HKLM "${SERVICE_KEY}" "ImagePath"
  ${If} ${Errors}
    DetailPrint "kehrbote-agent.exe /registerService /startup=automatic"
    ; nsExec: no console window, and Poco's message lands in the details list.
    nsExec::ExecToLog '"$INSTDIR\kehrbote-agent.exe" /registerService /startup=automatic "/displayName=${SERVICE_DISPLAY}"'
    Pop $0
    ClearErrors
    ReadRegStr $1 HKLM "${SERVICE_KEY}" "ImagePath"
    ${If} ${Errors}
      MessageBox MB_OK|MB_ICONSTOP "$(RegisterFailed)" /SD IDOK
      SetErrorLevel 2
      Abort
    ${EndIf}
  ${EndIf}
  Call PointServiceAtExecutable
FunctionEnd

; Points the service at this folder's executable, quoted (as Poco 1.11 registers it:
; unquoted, Windows would try C:\Program.exe first), also when a reinstall chose another
; folder. Through the API (Wine's sc.exe has no "config" command). Fallback, the registry value the
; service manager reads at its next start: in the Wine session that ran wineboot -i,
; OpenServiceW answers "service does not exist" (1060) for a service just created.
Function PointServiceAtExecutable
  StrCpy $3 '"$INSTDIR\kehrbote-agent.exe"'
  StrCpy $0 0
  ; SC_MANAGER_CONNECT = 1; SERVICE_CHANGE_CONFIG = 2; SERVICE_NO_CHANGE = 0xffffffff
  System::Call 'advapi32::OpenSCManagerW(p 0, p 0, i 1) p .r1'
  ${If} $1 P<> 0
    System::Call 'advapi32::OpenServiceW(p r1, w "${SERVICE}", i 2) p .r2'
    ${If} $2 P<> 0
      System::Call 'advapi32::ChangeServiceConfigW(p r2, i -1, i -1, i -1, w r3, p 0, p 0, p 0, p 0, p 0, p 0) i .r0'
      System::Call 'advapi32::CloseServiceHandle(p r2)'
    ${EndIf}
    System::Call 'advapi32::CloseServiceHandle(p r1)'
  ${EndIf}
  ${If} $0 = 0
    DetailPrint "ChangeServiceConfig failed: ImagePath written to the registry"
    WriteRegExpandStr HKLM "${SERVICE_KEY}" "ImagePath" $3
  ${EndIf}
FunctionEnd

Function StartServiceIfConfigured
  ${If} $ConfigFromUser = 1
    DetailPrint "net start ${SERVICE}"
    nsExec::ExecToLog '"$SYSDIR\net.exe" start ${SERVICE}'
    Pop $0
    ${If} $0 != 0
      DetailPrint "net start ${SERVICE} failed ($0): see C:\ProgramData\Kehrbote\log"
    ${EndIf}
  ${Else}
    DetailPrint "${SERVICE} not started: edit $DataDir\agent.yaml, run check, then net start ${SERVICE}"
  ${EndIf}
FunctionEnd

Section "Kehrbote Agent" SecAgent
  SectionIn RO
  Call StopService
  SetOutPath "$INSTDIR"
  File "/oname=kehrbote-agent.exe" "${AGENT_EXE}"
  File "/oname=agent.example.yaml" "${EXAMPLE_CONFIG}"
  SetOutPath "$INSTDIR\tzdata"
  File /r "${TZDATA_DIR}\*.*"
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  Call CreateDataDir
  Call WriteConfig
  Call RegisterService

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Kehrbote Agent"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Kehrbote"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\kehrbote-agent.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0

  Call StartServiceIfConfigured
SectionEnd

; ---------------------------------------------------------------------------
; Uninstaller

Section "un.Kehrbote Agent" SecUnAgent
  SectionIn RO
  Call un.StopService
  ClearErrors
  ReadRegStr $0 HKLM "${SERVICE_KEY}" "ImagePath"
  ${IfNot} ${Errors}
    DetailPrint "kehrbote-agent.exe /unregisterService"
    nsExec::ExecToLog '"$INSTDIR\kehrbote-agent.exe" /unregisterService'
    Pop $0
    ${If} $0 != 0
      nsExec::ExecToLog '"$SYSDIR\sc.exe" delete ${SERVICE}'
      Pop $0
    ${EndIf}
  ${EndIf}
  Delete "$INSTDIR\kehrbote-agent.exe"
  Delete "$INSTDIR\agent.example.yaml"
  RMDir /r "$INSTDIR\tzdata"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  Delete "$INSTDIR\uninstall.exe"
  ; Not /r: whatever else someone put there stays.
  RMDir "$INSTDIR"
SectionEnd

Section /o "un.$(SecPurgeName)" SecPurge
  RMDir /r "$DataDir"
SectionEnd

; After the sections: it selects SecPurge for /PURGE.
Function un.onInit
  SetShellVarContext all
  StrCpy $DataDir "$APPDATA\Kehrbote"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/PURGE" $0
  ${IfNot} ${Errors}
    SectionSetFlags ${SecPurge} ${SF_SELECTED}
  ${EndIf}
FunctionEnd
