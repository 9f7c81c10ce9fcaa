/* main.c - the labaudit command (being written). */
#include "labaudit.h"

#include <stdio.h>

int main(void)
{
    printf("labaudit %s\n", lab_version());
    return 0;
}
