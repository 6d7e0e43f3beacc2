#define BOOST_TEST_MODULE strato_groups
#include <boost/test/unit_test.hpp>
