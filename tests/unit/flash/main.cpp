#define BOOST_TEST_MODULE strato_flash
#include <boost/test/unit_test.hpp>
