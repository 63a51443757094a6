package crm

import "strings"

// iso3166Alpha2 holds every officially assigned ISO 3166-1 alpha-2 code
// (249, checked against Debian's iso-codes 4.15). User-assigned codes such
// as XK (Kosovo) are left out on purpose: partners' systems reject them.
var iso3166Alpha2 = wordSet(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI
BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
`)

// e164CountryCodes holds the country calling codes that ITU-T E.164 lists
// as assigned, by world numbering zone, including the non-geographic ones
// (800, 808, 870, 878, 881-883, 888, 979, 991) since satellite and
// international-network lines are real customer numbers. Spare codes, and
// withdrawn ones such as 388 (ETNS) and 871-874 (old Inmarsat ocean
// regions), are left out so that a typo in the code cannot pass. The set is
// prefix-free, which is what lets a full number be split unambiguously.
var e164CountryCodes = wordSet(`
1
20 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232
233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251
252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 27 290
291 297 298 299
30 31 32 33 34 350 351 352 353 354 355 356 357 358 359 36 370 371 372 373 374
375 376 377 378 379 380 381 382 383 385 386 387 389 39
40 41 420 421 423 43 44 45 46 47 48 49
500 501 502 503 504 505 506 507 508 509 51 52 53 54 55 56 57 58 590 591 592
593 594 595 596 597 598 599
60 61 62 63 64 65 66 670 672 673 674 675 676 677 678 679 680 681 682 683 685
686 687 688 689 690 691 692
7
800 808 81 82 84 850 852 853 855 856 86 870 878 880 881 882 883 886 888
90 91 92 93 94 95 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975
976 977 979 98 991 992 993 994 995 996 998
`)

// wordSet keeps the tables above as plain text, which is easier to compare
// with the published lists than a map literal would be.
func wordSet(words string) map[string]bool {
	set := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}
