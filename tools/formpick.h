/* formpick: which form of markers (enum ue_form) the library is told to
 * write in an upper: the launcher's choice, made once per launch. */
#ifndef UE_FORMPICK_H
#define UE_FORMPICK_H

/* ASKED is "auto", "device", "xattr", "aufs" or "oci".  auto: the form
 * UPPER (an existing directory) was written in, where it holds markers
 * already and its filesystem takes them, else the first form its
 * filesystem takes (a fallback is said in one line on stderr).  A named
 * form is checked against the filesystem.  The enum ue_form, or -1 after
 * one line on stderr. */
int ue_form_pick(const char *upper, const char *asked);

#endif
