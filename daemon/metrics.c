#include "metrics.h"

struct metrics metrics = { .outbox_depth = -1 };
