module peersgo

go 1.19
