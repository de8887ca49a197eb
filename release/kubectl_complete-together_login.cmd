@echo off
rem kubectl (1.26 or later) runs this for `kubectl together-login <TAB>` on Windows; the plugin
rem itself answers. Put this file on PATH beside kubectl-together_login.exe.
kubectl-together_login __complete %*