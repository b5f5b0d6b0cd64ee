"""The starter-pack commit this project trusts and the SHA-256 of every file it uses from it.

Taken from Azure-Samples/active-directory-b2c-custom-policy-starterpack at the pinned commit; the files
themselves are never shipped, only these hashes.
"""

from __future__ import annotations

REPOSITORY = "Azure-Samples/active-directory-b2c-custom-policy-starterpack"
PINNED_COMMIT = "fc39b7dbf7648dcfbcd5d511b49da6583671128c"
XSD_PATH = "TrustFrameworkPolicy_0.3.0.0.xsd"
PACK_NAMES = ("SocialAccounts", "SocialAndLocalAccounts", "SocialAndLocalAccountsWithMfa")
"""The packs this tool can install for a tenant that has none."""

PINNED_SHA256: dict[str, str] = {
    "SocialAccounts/ProfileEdit.xml": "2269050fba539025574bdec722ea1fd35be450244c2e3c1757152a5d49f08317",
    "SocialAccounts/SignUpOrSignin.xml": "f7cca50dc805754caf7ea9ae96b5d8e87355ad605f1d7ba63257fe37e584fbf8",
    "SocialAccounts/TrustFrameworkBase.xml": "818caffa264ea5fd046867e9177a316a9c7c38999f3bbc7efc8d598f7073d0a9",
    "SocialAccounts/TrustFrameworkExtensions.xml": "21050d2401da9aba5116783b155881e6ff7f4b88b47e5ef01550bad6a8c8cba5",
    "SocialAccounts/TrustFrameworkLocalization.xml": "2bca318454693771c02d04b719c36b6b727b99c5fdacc39ce83cef2000c53477",
    "SocialAndLocalAccounts/PasswordReset.xml": "70fffa116fd87072fb4ef083917fc8f8b588a3f695794c83fec2af80652c5bc1",
    "SocialAndLocalAccounts/ProfileEdit.xml": "2269050fba539025574bdec722ea1fd35be450244c2e3c1757152a5d49f08317",
    "SocialAndLocalAccounts/SignUpOrSignin.xml": "411ac9b90ff2c38cb9713f02e71c4466dbae836568893b900f404b18d01cb6d0",
    "SocialAndLocalAccounts/TrustFrameworkBase.xml": "21f7c4b2e2e4ac1657ad624b8b99f6298233a556cf484991b3fb92943d69ec1c",
    "SocialAndLocalAccounts/TrustFrameworkExtensions.xml": "139caa290187f2e39cdbbf833639d9f70633e500b131f3e3687ee4f6a041e1bb",
    "SocialAndLocalAccounts/TrustFrameworkLocalization.xml": "3c80990adb31d9b564d83017c5d15ef19af7b4e26265480ed1fdf067e0c2db52",
    "SocialAndLocalAccountsWithMfa/PasswordReset.xml": "70fffa116fd87072fb4ef083917fc8f8b588a3f695794c83fec2af80652c5bc1",
    "SocialAndLocalAccountsWithMfa/ProfileEdit.xml": "2269050fba539025574bdec722ea1fd35be450244c2e3c1757152a5d49f08317",
    "SocialAndLocalAccountsWithMfa/SignUpOrSignin.xml": "411ac9b90ff2c38cb9713f02e71c4466dbae836568893b900f404b18d01cb6d0",
    "SocialAndLocalAccountsWithMfa/TrustFrameworkBase.xml": "2235b77bf37cbe4c0c52c583699ed7a17be6c9b12cec478e51338cddd35fe173",
    "SocialAndLocalAccountsWithMfa/TrustFrameworkExtensions.xml": "791687e9fa9799f7246d3c78fa4bbdc9942f5c8568d13b799814325449840b09",
    "SocialAndLocalAccountsWithMfa/TrustFrameworkLocalization.xml": "a25a3c2697834834e2a22872b85d7cf1a6fe15c98517a24df01647bb54508cdb",
    XSD_PATH: "a1b9efba1928307a49347d211069c039b59b083a46753a50a68c2250071d4d3c",
}
"""Path inside the repository → SHA-256 of its bytes at PINNED_COMMIT."""
